"""Graph checks on plain dicts, used for segment inclusion (and later journey trees)."""


def find_cycle(edges):
    """Return one cycle as a list of nodes (first == last), or None.

    ``edges`` maps a node to the nodes it points to.
    """
    state = {}  # node -> 1 visiting, 2 done
    stack = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for target in edges.get(node, ()):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if state.get(target) is None:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in list(edges):
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None
