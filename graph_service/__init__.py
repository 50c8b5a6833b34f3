"""Union tree: the real-name register of China's trade unions as a graph."""
