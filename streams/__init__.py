"""The streaming backbone: settings, topic catalog, Avro codec, Faust app factory and the CLI."""
