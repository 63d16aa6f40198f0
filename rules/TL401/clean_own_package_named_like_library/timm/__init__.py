"""The checkout's package, named like the library it is."""
