"""Hide hyperscan, as on a platform without a wheel (macOS arm64): with this directory on
PYTHONPATH, `import hyperscan` raises ImportError in every Python process that starts, the
test run and the credscope processes it spawns. `.ci/run` runs the suite this way once."""

import sys

sys.modules["hyperscan"] = None  # type: ignore[assignment]  # import raises ImportError
