from nhsip_desktop.cli import main

raise SystemExit(main())
