import EndToEndStrategies

/// Experiments that reproduce the limits of end-to-end learning.
public enum Experiments {}
