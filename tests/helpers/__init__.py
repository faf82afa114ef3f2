"""Helpers shared by test modules, in one place: factories of rows reached through the
operations, signed requests, sample results. A test module imports these, never another test
module or a conftest."""
