#!/bin/bash
# The kept rule (19d6c17: naps to the ring's room where the room outlasts
# D99 and C) against c5ede52: run.sh's sweeps with a fresh clone of
# 19d6c17 built in /tmp/fc6/build. Results copied to final/ after.
exec bash "$(dirname "$0")/run.sh" /tmp/fc6/build /tmp/nap-final
