"""What every use case of the agenda shares: who is looking (:class:`Viewer`), and which meetings they may
see (``reading``)."""
