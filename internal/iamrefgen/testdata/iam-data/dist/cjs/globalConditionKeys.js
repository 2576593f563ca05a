exports.globalConditionKeys = [
    {
        key: 'aws:Key0',
        type: 'String'
    },
    {
        key: 'aws:Key1',
        type: 'String'
    },
    {
        key: 'aws:Key2',
        type: 'String'
    },
    {
        key: 'aws:Key3',
        type: 'String'
    },
    {
        key: 'aws:Key4',
        type: 'String'
    },
    {
        key: 'aws:Key5',
        type: 'String'
    },
    {
        key: 'aws:Key6',
        type: 'String'
    },
    {
        key: 'aws:Key7',
        type: 'String'
    },
    {
        key: 'aws:Key8',
        type: 'String'
    },
    {
        key: 'aws:Key9',
        type: 'String'
    },
    {
        key: 'aws:Key10',
        type: 'String'
    },
    {
        key: 'aws:Key11',
        type: 'String'
    },
    {
        key: 'aws:Key12',
        type: 'String'
    },
    {
        key: 'aws:Key13',
        type: 'String'
    },
    {
        key: 'aws:Key14',
        type: 'String'
    },
    {
        key: 'aws:Key15',
        type: 'String'
    },
    {
        key: 'aws:Key16',
        type: 'String'
    },
    {
        key: 'aws:Key17',
        type: 'String'
    },
    {
        key: 'aws:Key18',
        type: 'String'
    },
    {
        key: 'aws:Key19',
        type: 'String'
    },
    {
        key: 'aws:Key20',
        type: 'String'
    },
    {
        key: 'aws:Key21',
        type: 'String'
    },
    {
        key: 'aws:Key22',
        type: 'String'
    },
    {
        key: 'aws:Key23',
        type: 'String'
    },
    {
        key: 'aws:Key24',
        type: 'String'
    },
    {
        key: 'aws:Key25',
        type: 'String'
    },
    {
        key: 'aws:Key26',
        type: 'String'
    },
    {
        key: 'aws:Key27',
        type: 'String'
    },
    {
        key: 'aws:Key28',
        type: 'String'
    },
    {
        key: 'aws:Key29',
        type: 'String'
    },
    {
        key: 'aws:Key30',
        type: 'String'
    },
    {
        key: 'aws:Key31',
        type: 'String'
    },
    {
        key: 'aws:Key32',
        type: 'String'
    },
    {
        key: 'aws:Key33',
        type: 'String'
    },
    {
        key: 'aws:Key34',
        type: 'String'
    },
    {
        key: 'aws:Key35',
        type: 'String'
    },
    {
        key: 'aws:Key36',
        type: 'String'
    },
    {
        key: 'aws:Key37',
        type: 'String'
    },
    {
        key: 'aws:Key38',
        type: 'String'
    },
    {
        key: 'aws:Key39',
        type: 'String'
    },
];
