"""Evaluation: metrics, confusion matrices, ROC/AUC, and the float Keras model beside the int8 `.tflite`."""
