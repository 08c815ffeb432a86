"""Training, evaluation and export of the expression classifier (issue 5).

``python -m model_training --help`` lists the commands. The library functions are importable on their
own (``datasets``, ``input_pipeline``, ``training``, ``evaluation``, ``export``); TensorFlow is only
imported by the modules that need it.
"""
