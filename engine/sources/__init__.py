"""Ways leads come in from outside: website forms, inbound e-mail, LinkedIn Lead Gen, Upwork posts.

Each module parses and maps what its sender posts; every path ends in
`engine.pipeline.capture.capture_lead` with its source set (see `intake`).
"""
