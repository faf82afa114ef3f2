"""Lead scoring: features, the cold-start rule, the learned model, its versions, explanations, evaluation."""
