"""Developer tools that are not part of fenjie (not packaged): the soak harness (``make soak``)."""
