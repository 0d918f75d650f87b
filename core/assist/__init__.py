"""The assistant's features, one module each: dead air, highlights, reframing, the smart-cut analysis."""
