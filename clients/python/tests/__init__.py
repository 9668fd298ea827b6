"""Tests of the kvactor client against a real kvnode (tests/support.py starts it)."""
