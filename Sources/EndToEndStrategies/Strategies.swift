/// Training strategies for composite models: end-to-end, step-by-step, decomposition,
/// local losses and ensembles, compared under equal budgets.
public enum Strategies {}
