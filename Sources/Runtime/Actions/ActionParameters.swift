/// Parameters of an action, generated from its schema declaration.
public protocol ActionParameters: ParameterDecodable, Sendable {}
