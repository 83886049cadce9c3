"""The archive runner: content-addressed workspace cache, parallel or Dask workers, resumable."""
from .runner import RunResult, check_workspace, run

__all__ = ["RunResult", "check_workspace", "run"]
