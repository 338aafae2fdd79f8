// An empty module: the cost of starting node itself.
