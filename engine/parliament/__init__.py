"""Parliament: approvers vote on a subject; plain code decides."""
