"""autograder: a sandboxed, fast grading harness for PyTorch course exercises.

The pipeline runs one way, one stage per module:
``spec`` (load the assignment) -> ``submission`` (prepare the file) ->
``sandbox`` (run it in a contained child and *observe*) -> ``scoring`` (turn
observations into outcomes, in the parent) -> ``report`` (JSON, Gradescope,
gradebook, terminal).
"""

__version__ = "0.1.0"
