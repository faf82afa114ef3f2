"""Development tools shipped with Grace: fakes of outside services for the demo and the tests."""
