"""Imported only by the worker processes' fork server (flows.workers.PRELOAD), first: the fork server
stops when the flow process that started it dies (see flows.lifeline)."""

from flows.lifeline import die_with_parent

die_with_parent()
