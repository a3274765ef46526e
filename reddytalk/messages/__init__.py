"""Messages for staff: callbacks, refill requests, "running late" notes the receptionist takes."""
