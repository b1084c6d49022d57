"""After purchase: the local mirror of Partner Center subscriptions and their management."""
