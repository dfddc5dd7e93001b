"""The one test kit: builders, fixtures and fakes that more than one test module uses.

Test modules import from here (or get fixtures from a conftest); no test module imports
another test module (tests/test_layers.py checks)."""
