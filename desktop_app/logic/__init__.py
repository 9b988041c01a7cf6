"""The pure clinical core: models, protocol, engine. No Qt import here, ever."""
