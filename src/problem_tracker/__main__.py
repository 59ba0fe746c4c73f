from problem_tracker.cli import main

raise SystemExit(main())
