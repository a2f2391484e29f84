"""Live data out: Lab Streaming Layer (:mod:`sensorkit.live.lsl`) and the browser live view
(:mod:`sensorkit.live.web`)."""
