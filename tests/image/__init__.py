"""pauselint's container image, built with Debian's debootstrap and buildah, run by containerd."""
