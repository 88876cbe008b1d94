"""pauselint: find broken or drifting Kubernetes pause (sandbox) images."""

__version__ = "0.1.0"
