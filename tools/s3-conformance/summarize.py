#!/usr/bin/env python3
"""Prints the counts of a pytest JUnit report and every test that did not pass, one per line.

    summarize.py junit.xml

The last line is the one to quote: "passed P, failed F, errors E, skipped S of N".
"""
import sys
import xml.etree.ElementTree as ET


def outcome(case):
    """passed, failed, error or skipped, as pytest counts them."""
    for tag, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        if case.find(tag) is not None:
            return name, case.find(tag).get("message", "")
    return "passed", ""


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: summarize.py junit.xml")
    try:
        cases = list(ET.parse(sys.argv[1]).getroot().iter("testcase"))
    except (OSError, ET.ParseError) as e:
        sys.exit(f"no report to read: {e}")
    counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    for case in sorted(cases, key=lambda c: c.get("name", "")):
        result, message = outcome(case)
        counts[result] += 1
        if result in ("failed", "error"):
            # The first line of the assertion is enough to sort failures into causes.
            print(f"{result:6} {case.get('name')}: {message.splitlines()[0][:160] if message else ''}")
    print(f"passed {counts['passed']}, failed {counts['failed']}, errors {counts['error']}, "
          f"skipped {counts['skipped']} of {len(cases)}")


if __name__ == "__main__":
    main()
