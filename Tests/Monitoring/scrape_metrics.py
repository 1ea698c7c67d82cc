"""Scrapes a facegate console's /metrics and prints what it holds as one JSON object.

Usage: scrape_metrics.py URL [TOKEN]

The body is parsed with prometheus_client's own text-format parser, so a malformed
exposition fails here rather than in a real Prometheus. Output:
{"families": {name: type}, "samples": {"name{label=value,...}": value}, "body": text}
"""

import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    url = sys.argv[1]
    request = urllib.request.Request(url)
    if len(sys.argv) > 2:
        request.add_header("Authorization", "Bearer " + sys.argv[2])
    with urllib.request.urlopen(request, timeout=30) as response:
        content_type = response.headers.get("Content-Type", "")
        body = response.read().decode("utf-8")
    families = {}
    samples = {}
    for family in text_string_to_metric_families(body):
        families[family.name] = family.type
        for sample in family.samples:
            labels = ",".join(f"{key}={value}" for key, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    print(json.dumps({"content_type": content_type, "families": families, "samples": samples, "body": body}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
