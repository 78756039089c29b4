"""The full chaos run (`python -m tests.chaos.run`), not part of `make test`: real redis-server,
Celery workers and beat, the channel sandboxes with faults on, and an operator at the end."""
