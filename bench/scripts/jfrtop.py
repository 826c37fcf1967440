#!/usr/bin/env python3
"""Where a JVM's Java code spends its samples, from a JFR recording (jdk.ExecutionSample events).

usage: jfrtop.py FILE [THREAD_SUBSTRING] [N]
Prints the samples per thread (digits folded to #), then the top N methods by self and by inclusive share of the
samples of the threads whose name contains THREAD_SUBSTRING (all threads without it). Java frames only: time in
native code (PyTorch) or waiting is not an execution sample. Needs the JDK's `jfr` on the PATH.
"""
import collections
import re
import subprocess
import sys

path = sys.argv[1]
wanted = sys.argv[2] if len(sys.argv) > 2 else ''
top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
out = subprocess.run(['jfr', 'print', '--events', 'jdk.ExecutionSample', '--stack-depth', '64', path],
                     capture_output=True, text=True, check=True).stdout
threads, own, inclusive, total = collections.Counter(), collections.Counter(), collections.Counter(), 0
for event in out.split('jdk.ExecutionSample')[1:]:
    m = re.search(r'sampledThread = "([^"]*)"', event)
    thread = re.sub(r'\d+', '#', m.group(1) if m else '?')
    threads[thread] += 1
    if wanted not in thread:
        continue
    frames = [re.sub(r'\(.*\)', '', f) for f in re.findall(r'^\s+([\w$.<>]+\(.*?\))\s+line:', event, re.M)]
    if not frames:
        continue
    total += 1
    own[frames[0]] += 1
    for f in set(frames):
        inclusive[f] += 1
print('samples per thread:', threads.most_common(15))
print(f'{total} samples of threads matching {wanted!r}')
for title, counts in (('self', own), ('inclusive', inclusive)):
    print(f'--- {title}')
    for method, n in counts.most_common(top):
        print(f'{100 * n / max(total, 1):5.1f}% {method}')
