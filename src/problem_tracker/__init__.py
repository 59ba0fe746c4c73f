"""problem-tracker: TM Forum eTOM 1.3.7.3 Track & Manage Customer Problem on Kafka."""

__version__ = "0.1.0"
