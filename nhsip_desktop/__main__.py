from nhsip_desktop.app.cli import main

raise SystemExit(main())
