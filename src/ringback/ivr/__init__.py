"""The IVR: number configuration, prompts, callback numbers and TwiML, free of
Flask and Redis. See docs/ivr.md."""
