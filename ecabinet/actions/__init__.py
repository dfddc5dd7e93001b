"""The domain: plain typed functions over a transaction and an actor. Views call one each."""
