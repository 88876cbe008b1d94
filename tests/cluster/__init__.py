"""Tests of `pauselint cluster` against a local Kubernetes API server."""
