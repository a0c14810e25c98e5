class Match: pass
def identify(*a, **k): raise NotImplementedError
