"""What a running node says about itself: its container runtime over CRI, its
kubelet's process, its Node object. Used by `pauselint node` only; nothing on the
file-checking path imports this package."""
