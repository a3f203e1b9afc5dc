"""Reads a JSON list of tagged-JSON texts on stdin; prints, for each, Flask's
session serializer dumps(loads(text)), or {"error": ...} if Flask refuses it."""
import json
import sys

from flask import Flask


def main() -> None:
    texts = json.loads(sys.stdin.read())
    app = Flask(__name__)
    app.secret_key = "interop"
    out = []
    with app.test_request_context():
        serializer = app.session_interface.serializer
        for text in texts:
            try:
                value = serializer.loads(text)
                out.append({"text": serializer.dumps(value), "type": type(value).__name__})
            except Exception as error:  # report, let the test fail with the reason
                out.append({"error": f"{type(error).__name__}: {error}"})
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
