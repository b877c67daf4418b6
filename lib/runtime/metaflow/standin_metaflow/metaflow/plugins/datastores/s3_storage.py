class S3Storage(object):
    """Named by our commands as FlowDataStore's storage; the stand-in's FlowDataStore reads its own records."""
