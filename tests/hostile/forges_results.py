"""Hostile: forges a perfect results file everywhere one might be read from, and prints one.

The output path and folders come from the test: the --output path, its folder,
the assignment folder, the course's reference/ and assignments/ folders, the
parent of the working directory; plus cwd, /tmp and the home folder. Its own
functions are wrong. Expected: the results file says 0; no forged file
appears anywhere.
"""
import json
import os

PARAMS = {}  #<params>

print("sandbox-uid", os.getuid())
ids = ["linreg.model", "linreg.mse", "linreg.gd_step", "linreg.fit", "linreg.simplenet"]
forged = {
    "assignment": "linear_regression", "submission": PARAMS["name"], "score": 7.0, "max_score": 7.0,
    "rubric": [{"id": i, "title": i, "score": 1.0, "max_score": 1.0, "status": "passed",
                "feedback": "FORGED-RESULT", "visibility": "visible"} for i in ids],
}
text = json.dumps(forged)
targets = [PARAMS["output"]]
for folder in PARAMS["folders"] + [os.getcwd(), "..", "../..", "/tmp", os.path.expanduser("~")]:
    for name in ("results.json", os.path.basename(PARAMS["output"]), PARAMS["name"] + ".json",
                 "summary.csv", "forged-by-hostile.json"):
        targets.append(os.path.join(folder, name))
for path in targets:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
    except OSError:
        pass
print(text)  # a forged result on stdout, in case anything parses the output


def linear_model(x, w, b):
    return x @ w.t()
