//! The `form` node of a function (docs/protocol.md: "Forms"): written and read back, every
//! reader refusal, and the TypeScript schema constant the generator writes.

use tauri_plugin_mizan_codegen::{
    generate_ts, Auth, Capability, FieldKind, FnKind, Form, FormField, Function, Ir, Param,
    ReadError, Rule, Type,
};

fn field(name: &str, kind: FieldKind, rules: Vec<Rule>, fields: Vec<FormField>) -> FormField {
    FormField {
        name: name.into(),
        kind,
        required: true,
        rules,
        fields,
    }
}

fn form_ir() -> Ir {
    let mut ir = Ir::default();
    ir.functions.push(Function {
        name: "create_list".into(),
        kind: FnKind::Query,
        params: vec![Param {
            name: "list".into(),
            ty: Type::Unknown,
            optional: false,
            doc: None,
        }],
        result: Type::Unit,
        error: None,
        auth: Auth::None,
        capabilities: vec![Capability::Form],
        item: None,
        form: Some(Form {
            param: "list".into(),
            fields: vec![
                field(
                    "name",
                    FieldKind::String,
                    vec![
                        Rule::Length {
                            min: Some(1),
                            max: Some(40),
                            equal: None,
                        },
                        Rule::Pattern("^\\w+ \"quoted\"$".into()),
                        Rule::Email,
                        Rule::Url,
                        Rule::Server("must_match".into()),
                    ],
                    vec![],
                ),
                field(
                    "price",
                    FieldKind::Number,
                    vec![Rule::Range {
                        min: Some(-0.25),
                        max: None,
                        exclusive_min: None,
                        exclusive_max: Some(1e6),
                    }],
                    vec![],
                ),
                FormField {
                    required: false,
                    ..field(
                        "items",
                        FieldKind::List,
                        vec![Rule::Required],
                        vec![field(
                            "qty",
                            FieldKind::Integer,
                            vec![Rule::Range {
                                min: Some(1.0),
                                max: Some(9.0),
                                exclusive_min: None,
                                exclusive_max: None,
                            }],
                            vec![],
                        )],
                    )
                },
            ],
        }),
        doc: None,
    });
    ir
}

#[test]
fn a_form_round_trips() {
    let ir = form_ir();
    let text = ir.to_kdl();
    assert!(text.contains("form list {"), "{text}");
    assert!(
        text.contains("range min=-0.25 exclusive-max=1000000"),
        "{text}"
    );
    assert!(text.contains("range min=1 max=9"), "{text}");
    assert_eq!(Ir::from_kdl(&text).unwrap(), ir);
    assert_eq!(Ir::from_kdl(&text).unwrap().to_kdl(), text);
}

#[test]
fn the_generator_writes_a_typed_schema_constant() {
    let ts = generate_ts(&form_ir().to_kdl(), &Default::default()).unwrap();
    assert!(
        ts.contains("export const createListForm: $mizan.FormSchema<CreateListArgs, 'list'> = {"),
        "{ts}"
    );
    assert!(ts.contains("createList.form = createListForm;"), "{ts}");
    assert!(ts.contains("{ rule: 'length', min: 1, max: 40 }"), "{ts}");
    assert!(
        ts.contains("{ rule: 'range', min: -0.25, exclusiveMax: 1000000 }"),
        "{ts}"
    );
    assert!(
        ts.contains("{ rule: 'server', code: 'must_match' }"),
        "{ts}"
    );
    assert!(
        ts.contains("{ name: 'qty', kind: 'integer', required: true"),
        "{ts}"
    );
    assert!(
        ts.contains("{ name: 'items', kind: 'list', required: false"),
        "{ts}"
    );
}

#[test]
fn a_form_constant_that_clashes_with_another_name_is_refused() {
    let mut ir = form_ir();
    let mut other = ir.functions[0].clone();
    other.name = "create_list_form".into();
    other.form = None;
    other.capabilities.clear();
    ir.functions.push(other);
    let err = generate_ts(&ir.to_kdl(), &Default::default()).unwrap_err();
    assert!(err.to_string().contains("createListForm"), "{err}");
}

fn read_err(text: &str) -> ReadError {
    Ir::from_kdl(text).unwrap_err()
}

fn with_form(form: &str, uses: &str) -> String {
    format!(
        "mizan-ir 1\nfunction f kind=query {{\n    param list {{\n        unknown\n    }}\n    result {{\n        unit\n    }}\n    {form}\n    auth none\n    {uses}\n}}\n"
    )
}

#[test]
fn the_reader_refuses_bad_forms() {
    let ok = with_form("form list {\n field a kind=string\n }", "uses form");
    Ir::from_kdl(&ok).unwrap();
    let cases = [
        // `uses form` and a `form` go together.
        with_form("", "uses form"),
        with_form("form list {\n field a kind=string\n }", ""),
        // The form names a param of the function.
        with_form("form other {\n field a kind=string\n }", "uses form"),
        with_form("form list\n form list", "uses form"),
        with_form("form list {\n field a kind=text\n }", "uses form"),
        with_form("form list {\n field a\n }", "uses form"),
        with_form(
            "form list {\n field a kind=string\n field a kind=string\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n field b kind=string\n }\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n length min=-1\n }\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n length min=1.5\n }\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n range min=\"1\"\n }\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n range min=#nan\n }\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n shout\n }\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n email #true\n }\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n pattern\n }\n }",
            "uses form",
        ),
        with_form(
            "form list {\n field a kind=string {\n length max=1 {\n email\n }\n }\n }",
            "uses form",
        ),
        with_form("form list {\n rule a\n }", "uses form"),
        with_form("form list extra", "uses form"),
        with_form(
            "form list {\n field a kind=string required=1\n }",
            "uses form",
        ),
    ];
    for text in cases {
        let err = read_err(&text);
        assert!(
            matches!(
                err,
                ReadError::Invalid { .. }
                    | ReadError::Missing { .. }
                    | ReadError::UnknownNode { .. }
                    | ReadError::Inconsistent(_)
                    | ReadError::Syntax { .. }
            ),
            "{text}: {err:?}"
        );
    }
}
