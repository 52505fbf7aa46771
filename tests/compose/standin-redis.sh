#!/bin/sh
# Stand-in for the official redis image's entry point (see standins.sh): the
# server as the redis user in /data, reachable from other containers (the
# official image is built with protected mode off).
set -eu
if [ "$1" = redis-server ]; then
    shift
    exec setpriv --reuid=redis --regid=redis --init-groups redis-server --protected-mode no "$@"
fi
exec "$@"
