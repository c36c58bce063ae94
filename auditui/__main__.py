from auditui.cli import main

raise SystemExit(main())
