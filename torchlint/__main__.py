import sys

import torchlint

torchlint.drop_working_directory_from_path()  # before any other import (python -m torchlint)

from torchlint.cli import main  # noqa: E402

sys.exit(main())
