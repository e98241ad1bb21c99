"""Training: a stepped schedule, class weights, checkpoints with resume, best weights, early stopping."""
