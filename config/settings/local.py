"""Running on a developer's machine: debug on unless the environment says otherwise."""

from config.env import env

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
