import sys

from seine_editor.cli import main

sys.exit(main())
